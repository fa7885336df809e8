"""Opportunities: the kanban board per pipeline, the list view, the opportunity form, pipeline
settings and the analytics panel."""
