"""CSV import of contacts: ``csv_source`` reads files, ``mapping`` maps headers, ``rows``
validates records (pure, runs in a worker), ``writer`` writes them, ``importer`` runs it all."""
