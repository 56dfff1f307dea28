"""The local web app: upload clips, follow their analysis, review results and each athlete's history.

``kneedrive serve`` runs it; :func:`kneedrive_cv.web.app.create_app` builds it (import that module
explicitly: importing this package loads no web framework).
"""
