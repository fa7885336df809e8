"""The screens listed in the left navigation, and the pages inside them (one per module)."""
