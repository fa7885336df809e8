"""Benchmarks: each module with a ``main()`` prints its figure next to a baseline measured in the
same run. ``python -m benchmarks`` runs them one after the other (see ``__main__``)."""
