"""IODM: a knowledge graph and query layer for research on how international bureaucracies decide.

The package is imported as ``kg``. Everything heavy (pyoxigraph, rdflib, pyshacl, owlready2) is
imported by the module that needs it, so ``import kg`` and ``iodm --help`` stay instant.

>>> from kg.store import open_store
>>> store = open_store("memory:")
"""

__version__ = "0.1.0"
