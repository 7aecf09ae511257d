"""Linked-data publishing: ``iodm serve``, ``iodm publish`` and ``iodm push``.

Everything published comes from one privacy-filtered snapshot of a store
(:class:`kg.publish.dataset.Published`): the web pages, the RDF documents, the dumps, the VoID
description and every SPARQL answer. An interviewee who chose anonymity is withheld there, once,
before anything can be asked (:mod:`kg.publish.privacy`).

Modules: ``commands`` (argparse only, so ``iodm --help`` stays instant), ``privacy``,
``dataset`` (the snapshot, queries with time-outs and row limits, updates), ``negotiate``
(Accept headers), ``iris`` (w3id IRIs ↔ server paths), ``describe`` (what is said about one
resource), ``ontology_doc``,
``void`` (VoID, DCAT and dumps), ``html`` (Jinja2 pages), ``documents`` (every document, as a
media type and a body, for both of the next two), ``app`` (the Starlette application), ``site``
(the static site), ``push`` (loading a remote SPARQL engine).
"""
