"""How the server is exposed: the launch choices that are not vLLM engine settings."""

from __future__ import annotations

import ipaddress

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator


class LaunchOptions(BaseModel):
    """Who may connect and under what name. The API key is a secret: it never reaches argv, logs,
    JSON or screenshots; it travels to vLLM as VLLM_API_KEY in the child's environment."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    api_key: SecretStr | None = None
    served_model_name: str | None = None
    # `--lora-modules` items, NAME=PATH (wizard.model.lora_adapter): adapters served beside the model.
    lora_modules: tuple[str, ...] = ()

    @field_validator("host")
    @classmethod
    def _host(cls, value: str) -> str:
        value = value.strip()
        if value in {"localhost", ""}:
            return "127.0.0.1" if not value else value
        try:
            ipaddress.ip_address(value)
        except ValueError:
            raise ValueError(f"host {value!r} is not an IP address; use 127.0.0.1 (this machine) or 0.0.0.0 (all)") from None
        return value

    @property
    def all_interfaces(self) -> bool:
        return self.host in {"0.0.0.0", "::"}

    @property
    def loopback_only(self) -> bool:
        return self.host == "localhost" or ipaddress.ip_address(self.host).is_loopback
