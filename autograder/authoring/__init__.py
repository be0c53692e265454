"""The course author's tools: release the notebooks, export reference code, publish, build the student edition."""
