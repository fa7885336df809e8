"""The unified inbox: filters, a lazily paged conversation list, the thread with a composer,
the contact side panel, and the channel setup tab."""
