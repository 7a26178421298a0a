def compute_reward(obs, **kwargs):
    while True:
        obs += 1
