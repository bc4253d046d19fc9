"""The web pages: sign-in, the student's pages, their templates, styles and scripts.

:func:`app.web.pages.install` adds them to the app; ``routes/`` holds one router per group
of pages, ``templates/`` the Jinja2 templates, ``static/`` the CSS and JS modules.
"""
