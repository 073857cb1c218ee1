"""Every mail the service sends, rendered from Jinja2 templates (HTML autoescaped) into MIME messages."""
