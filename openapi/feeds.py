"""Feeds (API.md "Feeds"): the personal feed link. The .ics feeds themselves are not JSON and live outside /api."""

from openapi.common import errors, ok

PATHS = {
    "/api/v1/feed-token": {
        "post": {
            "summary": "Issue a new personal calendar feed link; the previous link stops working (404)",
            "description": "For enterprise, official, secretariat, inspector and department users. The token is "
            "stored hashed: the URL is shown only in this answer. `webcal` is the same URL for Apple Calendar "
            "and Outlook desktop.",
            "responses": {
                **ok("Feed link issued", {
                    "type": "object",
                    "required": ["url"],
                    "properties": {"url": {"type": "string", "format": "uri"},
                                   "webcal": {"type": "string"}},
                }, 201),
                **errors(401, 403, 429),
            },
        },
    },
}
