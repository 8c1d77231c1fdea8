"""GPU facts: the NVML probe (real or fake backend) and the GPU catalog."""
