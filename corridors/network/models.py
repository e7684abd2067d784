"""The routable network as stored: nodes, edges (split corridors and connectors), flow points
and resources attached to edges, and the version of the geodata it was built from. Written
only by ``corridors.network.repository.store_graph``; read by pgRouting."""

from __future__ import annotations

from datetime import datetime

from geoalchemy2 import Geometry
from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ttt.db import Base, utcnow


class NetworkNode(Base):
    __tablename__ = "network_nodes"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    geom = mapped_column(Geometry("POINT", srid=4326, spatial_index=False), nullable=False)
    degree: Mapped[int] = mapped_column(Integer, default=0)


class NetworkEdge(Base):
    __tablename__ = "network_edges"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    source: Mapped[int] = mapped_column(BigInteger, ForeignKey("network_nodes.id", ondelete="CASCADE"))
    target: Mapped[int] = mapped_column(BigInteger, ForeignKey("network_nodes.id", ondelete="CASCADE"))
    corridor_code: Mapped[str | None] = mapped_column(String(40), index=True)  # None: a connector
    length_m: Mapped[float]
    country: Mapped[str | None] = mapped_column(String(2))
    geom = mapped_column(Geometry("LINESTRING", srid=4326, spatial_index=True), nullable=False)

    __table_args__ = (CheckConstraint("length_m >= 0", name="length"),)


class NetworkPoint(Base):
    __tablename__ = "network_points"

    kind: Mapped[str] = mapped_column(String(12), primary_key=True)  # flow_point | resource
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    resource_kind: Mapped[str | None] = mapped_column(String(20))
    edge_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("network_edges.id", ondelete="CASCADE"), index=True)
    fraction: Mapped[float]
    distance_m: Mapped[float]

    __table_args__ = (
        CheckConstraint("kind in ('flow_point', 'resource')", name="kind"),
        CheckConstraint("fraction >= 0 and fraction <= 1", name="fraction"),
    )


class NetworkState(Base):
    __tablename__ = "network_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[str] = mapped_column(Text)
    built_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)
