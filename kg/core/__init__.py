"""The core layer: IRIs and the generated vocabulary, errors, RDF terms, results and formats,
file I/O and labels. It imports nothing else of IODM."""
