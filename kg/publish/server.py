"""Run the application with uvicorn (``iodm serve``)."""

from __future__ import annotations

import sys
from dataclasses import replace
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from kg.core.errors import UsageError
from kg.publish.dataset import Published
from kg.store import SparqlStore, open_store

if TYPE_CHECKING:
    from kg.publish.app import ServerConfig


def serve(
    descriptor: str | None,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    base_url: str | None = None,
    config: ServerConfig | None = None,
) -> int:
    """Serve until interrupted. ``base_url`` (default ``http://HOST:PORT/``) is where clients
    reach the server; every absolute link and redirect is built from it."""
    import uvicorn

    from kg.publish.app import ServerConfig, create_app
    from kg.publish.iris import site_form

    config = config or ServerConfig()
    update_token = config.update_token
    base_url = base_url or f"http://{_url_host(host)}:{port}/"
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
        raise UsageError(
            f"--base-url {base_url!r} is not an http(s) URL", "e.g. https://example.org/kg/"
        )
    base_url = base_url if base_url.endswith("/") else base_url + "/"

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
    app = create_app(published, replace(config, base_url=base_url))
    app.state.server.warm_up()  # start the query workers now, not on the first query
    mode = "accepting updates with its token" if update_token else "read-only"
    print(
        f"serving {store.descriptor} at {base_url} ({mode}; "
        f"{len(published.graphs)} graphs, {published.withheld} statements withheld for privacy)",
        file=sys.stderr,
    )
    for ns in published.dataset.namespaces:
        print(f"  {ns}… at {base_url}{site_form(ns)}…", file=sys.stderr)
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


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
