import { useState } from "react";
import { useTranslation } from "react-i18next";

export function LoginForm({ onSubmit }: { onSubmit: (email: string, password: string) => void }) {
  const { t } = useTranslation();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");

  return (
    <form onSubmit={(e) => { e.preventDefault(); onSubmit(email, password); }}>
      <label htmlFor="email">{t("login.email")}</label>
      <input id="email" name="email" type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} />
      <label htmlFor="password">{t("login.password")}</label>
      <input
        id="password"
        name="password"
        type="password"
        autoComplete="current-password"
        placeholder="Enter your password"
        value={password}
        onChange={(e) => setPassword(e.target.value)}
      />
      <a href="/forgot-password">{t("login.forgotPassword")}</a>
      <button type="submit">{t("login.submit")}</button>
    </form>
  );
}
