"""Build the running-muscles handout (PDF) and e-book (EPUB 3) from Markdown chapters.

The pipeline, top to bottom (see build.py):
load sources (readers) -> validate (collect every error with file and line)
-> one Book model (model) -> render each output from it -> write atomically (writers).
"""
