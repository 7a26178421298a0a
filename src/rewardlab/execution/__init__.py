"""Running untrusted or slow work: process pools with hard timeouts, sandboxes, input caps."""
