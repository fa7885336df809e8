"""Sites: funnels and their steps, the page editor, forms, surveys, submissions, statistics
and the funnel server's settings."""
