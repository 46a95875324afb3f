"""The studio: the web UI's built bundle (`dist/`, made from `web/` by `npm run build`), served by `kiln serve`."""
