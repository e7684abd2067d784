"""HTTP pieces shared by every domain's router (core: imports no domain package)."""
