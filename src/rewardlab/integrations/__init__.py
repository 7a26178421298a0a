"""Adapters that drop rewardlab into TRL, verl, OpenRLHF and gymnasium unchanged."""
