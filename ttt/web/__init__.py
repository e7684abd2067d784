"""The staff console: server-rendered pages over the same services and API as /api/v1.

Pages read through the domain services with the signed-in principal (same scopes, same
location policy); every change is a call to the /api/v1 routes from the page's script with
the session's CSRF token, so validation, scopes and audit are the API's own.
"""
