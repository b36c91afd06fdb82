"""The channels' webhook views, one module per channel: each authenticates the sender as
the channel documents it, checks the body's shape and stores it (intake.webhooks)."""
