import os
from functools import lru_cache

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    openai_api_key: SecretStr
    anthropic_api_key: SecretStr | None = None
    langsmith_api_key: SecretStr | None = None
    mistral_api_key: SecretStr | None = None
    default_model: str = "gpt-4o-mini"
    temperature: float = 0.2


@lru_cache
def settings() -> Settings:
    return Settings()


def groq_key() -> str:
    return os.environ["GROQ_API_KEY"]


HF_TOKEN = os.getenv("HF_TOKEN")  # optional, only for gated models
