from ghl_desktop.launcher import main

raise SystemExit(main())
