"""Generators kept outside the runtime package: the vocabulary module and the ontology diagram."""
