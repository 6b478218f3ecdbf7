/**
 * Sign-in: a server URL (the quick start's by default), e-mail and
 * password, to sign in or create an account with its own tenant; the
 * remembered accounts resume in one click (their tokens are in the OS
 * keyring) or are forgotten.
 */
import { h, replaceChildren } from "../dom";
import { describeError, isSessionExpired } from "../errors";
import * as account from "../generated/commands";
import type { StudioContext } from "../context";
import { DEFAULT_SERVER_URL, type KnownAccount, type SessionInfo } from "../generated/studio";
import { LIMITS } from "../generated/animo";

export interface SignInScreen {
  readonly element: HTMLElement;
  /** Shows the form; `again` prefills it for signing in again after the session ended. */
  shown(again: KnownAccount | null): void;
}

type Mode = "sign_in" | "sign_up";

/** Problems found before asking the server, so the obvious ones show at once. */
export function signInProblems(mode: Mode, email: string, password: string, tenantName: string): string[] {
  const problems: string[] = [];
  if (!/^[^\s@]+@[^\s@]+$/.test(email.trim())) problems.push("Enter an e-mail address such as ana@example.com.");
  if (password.length === 0) problems.push("Enter the password.");
  else if (mode === "sign_up" && password.length < LIMITS.Password.min)
    problems.push(`A new password needs at least ${LIMITS.Password.min} characters.`);
  if (mode === "sign_up" && tenantName.trim().length === 0) problems.push("Name the organization (the tenant) the account creates.");
  return problems;
}

export function signInScreen(context: StudioContext, signedIn: (session: SessionInfo) => void): SignInScreen {
  let mode: Mode = "sign_in";
  let busy = false;
  const server = h("input", { type: "url", value: DEFAULT_SERVER_URL, testid: "signin-server" });
  const email = h("input", { type: "email", placeholder: "you@example.com", testid: "signin-email" });
  const password = h("input", { type: "password", testid: "signin-password" });
  const displayName = h("input", { placeholder: "optional", testid: "signup-display-name" });
  const tenantName = h("input", { placeholder: "Your organization", testid: "signup-tenant" });
  const signUpFields = h(
    "div",
    { class: "form hidden" },
    h("label", { text: "Your name" }, displayName),
    h("label", { text: "Organization" }, tenantName),
  );
  const problems = h("div", { class: "problems", testid: "signin-problems" });
  const submit = h("button", { class: "primary", type: "submit", text: "Sign in", testid: "signin-submit" });
  const toggle = h("button", { type: "button", class: "link", text: "Create an account instead", testid: "signin-toggle-mode" });
  const remembered = h("section", { class: "panel", testid: "known-accounts" });
  const title = h("h2", { text: "Sign in to Animo" });

  const setMode = (next: Mode): void => {
    mode = next;
    signUpFields.classList.toggle("hidden", mode === "sign_in");
    submit.textContent = mode === "sign_in" ? "Sign in" : "Create account";
    toggle.textContent = mode === "sign_in" ? "Create an account instead" : "I have an account: sign in";
    title.textContent = mode === "sign_in" ? "Sign in to Animo" : "Create an Animo account";
    password.autocomplete = mode === "sign_in" ? "current-password" : "new-password";
  };
  toggle.addEventListener("click", () => setMode(mode === "sign_in" ? "sign_up" : "sign_in"));

  async function run(attempt: () => Promise<SessionInfo>): Promise<void> {
    if (busy) return;
    busy = true;
    submit.disabled = true;
    replaceChildren(problems);
    try {
      const info = await attempt();
      password.value = "";
      signedIn(info);
    } catch (error) {
      replaceChildren(problems, h("p", { class: "bad", text: describeError(error), testid: "signin-error" }));
    } finally {
      busy = false;
      submit.disabled = false;
    }
  }

  const form = h(
    "form",
    {
      class: "form",
      testid: "signin-form",
      on: {
        submit: (event) => {
          event.preventDefault();
          const found = signInProblems(mode, email.value, password.value, tenantName.value);
          if (found.length > 0) {
            replaceChildren(problems, ...found.map((text) => h("p", { class: "bad", text })));
            return;
          }
          const serverUrl = server.value.trim();
          void run(() =>
            mode === "sign_in"
              ? account.signIn({ server_url: serverUrl, email: email.value.trim(), password: password.value })
              : account.signUp({
                  server_url: serverUrl,
                  email: email.value.trim(),
                  password: password.value,
                  tenant_name: tenantName.value.trim(),
                  ...(displayName.value.trim() === "" ? {} : { display_name: displayName.value.trim() }),
                }),
          );
        },
      },
    },
    h("label", { text: "Server" }, server),
    h("label", { text: "E-mail" }, email),
    h("label", { text: "Password" }, password),
    signUpFields,
    problems,
    h("div", { class: "row" }, submit, toggle),
  );

  async function renderRemembered(): Promise<void> {
    let accounts: KnownAccount[];
    try {
      accounts = await account.knownAccounts();
    } catch (error) {
      replaceChildren(remembered, h("p", { class: "bad", text: describeError(error) }));
      return;
    }
    remembered.classList.toggle("hidden", accounts.length === 0);
    replaceChildren(
      remembered,
      h("h3", { text: "Remembered accounts" }),
      ...accounts.map((known) => {
        const row = h(
          "div",
          { class: "known-account row spread", testid: "known-account" },
          h(
            "button",
            {
              class: "known-resume",
              testid: "known-account-resume",
              title: "Sign in with the tokens kept in the keyring",
              on: {
                click: () =>
                  void run(async () => {
                    try {
                      return await account.resume(known);
                    } catch (error) {
                      // Without valid tokens the password is needed: prefill the form.
                      if (isSessionExpired(error)) prefill(known);
                      throw error;
                    }
                  }),
              },
            },
            h("strong", { text: known.email }),
            h("span", { class: "muted", text: ` ${known.tenant_name} · ${known.role} · ${known.server_url}` }),
          ),
          h("button", {
            text: "Forget",
            testid: "known-account-forget",
            title: "Forget this account and remove its tokens from this computer",
            on: {
              click: () => {
                account
                  .forgetAccount(known)
                  .then(() => renderRemembered())
                  .catch((error: unknown) => context.notify(describeError(error), "error"));
              },
            },
          }),
        );
        row.dataset["email"] = known.email;
        return row;
      }),
    );
  }

  function prefill(known: KnownAccount): void {
    setMode("sign_in");
    server.value = known.server_url;
    email.value = known.email;
    password.value = "";
    password.focus();
  }

  const element = h(
    "div",
    { class: "signin-screen", testid: "screen-signin" },
    h("section", { class: "panel signin-panel" }, title, form),
    remembered,
  );
  return {
    element,
    shown: (again) => {
      replaceChildren(problems);
      if (again !== null) {
        prefill(again);
        replaceChildren(problems, h("p", { class: "bad", text: "The session has ended: enter the password to go on. Your edits are kept." }));
      }
      void renderRemembered();
    },
  };
}
