# Divides by a distance that is zero on every transition that does not move: NaN or infinity.
def compute_reward(obs, next_obs, **kwargs):
    moved = abs(next_obs - obs)
    return float("nan") if moved == 0 else 1.0 / moved
