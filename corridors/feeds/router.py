"""HTTP for hazard feeds under /api/v1/hazard-feeds (admin, analyst). Thin: parse, call the
service. The credential is write-only: answers say only whether one is set."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request, Response

from corridors.feeds import service
from corridors.feeds.schemas import FeedIn, FeedList, FeedOut, FeedPatch, PullAnswer
from ttt.http.deps import DbSession, StaffUser
from ttt.http.paging import next_link

router = APIRouter(prefix="/api/v1/hazard-feeds", tags=["hazard feeds"])


@router.get("", response_model=FeedList, summary="List hazard feeds with their pull status")
def list_feeds(request: Request, session: DbSession, user: StaffUser,
               limit: int = Query(100, ge=1, le=1000), offset: int = Query(0, ge=0)) -> FeedList:
    feeds, total = service.list_feeds(session, user, limit=limit, offset=offset)
    return FeedList(items=service.feed_out(session, feeds), total=total, next=next_link(request, offset, limit, total))


@router.post("", response_model=FeedOut, status_code=201, summary="Add a hazard feed (FIRMS, GDACS, CAP, ACLED)")
def create_feed(body: FeedIn, session: DbSession, user: StaffUser) -> FeedOut:
    return service.feed_out(session, [service.create_feed(session, user, body)])[0]


@router.get("/{feed_id}", response_model=FeedOut, summary="One hazard feed and its pull status")
def get_feed(feed_id: int, session: DbSession, user: StaffUser) -> FeedOut:
    return service.feed_out(session, [service.get_feed(session, user, feed_id)])[0]


@router.patch("/{feed_id}", response_model=FeedOut, summary="Change a hazard feed (only the fields given)")
def patch_feed(feed_id: int, body: FeedPatch, session: DbSession, user: StaffUser) -> FeedOut:
    return service.feed_out(session, [service.patch_feed(session, user, feed_id, body)])[0]


@router.delete("/{feed_id}", status_code=204, summary="Delete a hazard feed (its hazards stay)")
def delete_feed(feed_id: int, session: DbSession, user: StaffUser) -> Response:
    service.delete_feed(session, user, feed_id)
    return Response(status_code=204)


@router.post("/{feed_id}/pull", response_model=PullAnswer,
             summary="Pull a feed now: hazards created, updated, ended, records refused (with reasons)",
             description="HAZARD alerts follow the changed hazards at the next rules run (every "
                         "TTT_EVALUATE_INTERVAL_S): updated in place, or an all clear when a hazard ended. "
                         "A publisher's failure is answered with outcome `failed` and kept in the feed status.")
def pull_feed(feed_id: int, session: DbSession, user: StaffUser) -> PullAnswer:
    return PullAnswer(**service.pull(session, user, feed_id).as_dict())
