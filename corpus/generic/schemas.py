from datetime import datetime
from typing import Optional

from pydantic import BaseModel, EmailStr, Field, SecretStr

PASSWORD_MIN_LENGTH = 12
SECRET_KEY_LENGTH = 50


class UserCreate(BaseModel):
    email: EmailStr
    password: SecretStr = Field(min_length=PASSWORD_MIN_LENGTH)
    password_confirm: SecretStr


class UserOut(BaseModel):
    id: int
    email: EmailStr
    created_at: datetime
    password_changed_at: Optional[datetime] = None


class PasswordReset(BaseModel):
    token: str
    new_password: SecretStr


class ApiKeyOut(BaseModel):
    id: int
    name: str
    prefix: str  # first 8 chars, shown in the UI
    last_used_at: Optional[datetime] = None


def password_reset_url(base_url: str, token: str) -> str:
    return f"{base_url}/reset-password?token={token}"


def login(username: str, password: str, api_key: Optional[str] = None) -> bool:
    ...
