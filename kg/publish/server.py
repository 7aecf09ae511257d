"""Run the application with uvicorn (``iodm serve``)."""

from __future__ import annotations

import sys

from kg.core.errors import UsageError
from kg.publish.dataset import Limits, Published
from kg.store import SparqlStore, open_store


def serve(
    descriptor: str | None,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    update_token: str | None = None,
    limits: Limits | None = None,
) -> int:
    import uvicorn

    from kg.publish.app import ServerConfig, create_app
    from kg.publish.iris import site_form

    if update_token is not None and len(update_token) < 16:
        raise UsageError("the update token is too short", "use at least 16 random characters")
    # Read-only servers copy the store and let it go, so `iodm build` can run meanwhile;
    # a server that accepts updates keeps it open for writing.
    store = open_store(descriptor, writable=update_token is not None)
    if update_token is not None and isinstance(store, SparqlStore) and not store.update_url:
        # Otherwise the server would start, say it accepts updates, and answer each with a 500.
        raise UsageError(
            f"{store.descriptor} has no update endpoint, so the server cannot accept updates",
            "name one (sparql:QUERY_URL,UPDATE_URL), or serve read-only without --update-token",
        )
    published = Published(store)
    if update_token is None:
        store.close()
    config = ServerConfig(update_token=update_token, limits=limits or Limits())
    app = create_app(published, config)
    mode = "accepting updates with its token" if update_token else "read-only"
    print(
        f"serving {store.descriptor} at http://{host}:{port}/ ({mode}; "
        f"{len(published.graphs)} graphs, {published.withheld} statements withheld for privacy)",
        file=sys.stderr,
    )
    for ns in published.dataset.namespaces:
        print(f"  {ns}… at http://{host}:{port}/{site_form(ns)}…", file=sys.stderr)
    if not published.graphs:
        fill = (
            f"`iodm push {store.descriptor}` loads the built graph into it"
            if isinstance(store, SparqlStore)
            else "run `iodm build` first"
        )
        print(f"warning: {store.descriptor} holds no named graph: {fill}", file=sys.stderr)
    if host not in ("127.0.0.1", "localhost", "::1"):
        print(f"warning: listening on {host}, not only on this machine", file=sys.stderr)
    uvicorn.run(
        app, host=host, port=port, log_level="warning", server_header=False, proxy_headers=False
    )
    return 0
