"""Model facts: what a checkpoint is, read from config files and safetensors headers only."""
