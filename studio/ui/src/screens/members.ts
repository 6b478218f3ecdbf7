/**
 * Members & API keys: owners invite people (the invitation's token shows
 * once), change roles and remove members, and create (the secret shows
 * once) and revoke API keys. Everyone else sees the members read-only, or
 * why not.
 */
import { h, replaceChildren } from "../dom";
import { asStudioError, describeError } from "../errors";
import * as account from "../generated/commands";
import type { Screen, StudioContext } from "../context";
import { LIMITS, type ApiKeyView, type MemberList, type MemberView, type Role } from "../generated/animo";

const ROLES: readonly { value: Role; label: string }[] = [
  { value: "viewer", label: "Viewer: sees bots and analytics" },
  { value: "designer", label: "Designer: edits drafts" },
  { value: "owner", label: "Owner: publishes, manages members and keys" },
];

function roleSelect(testid: string, selected: Role): HTMLSelectElement {
  const select = h("select", { testid }, ...ROLES.map((role) => h("option", { value: role.value, text: role.label })));
  select.value = selected;
  return select;
}

function isRole(value: string): value is Role {
  return ROLES.some((role) => role.value === value);
}

/** A secret shown once, with the reason it will not be shown again. */
function onceBox(testid: string, label: string, secret: string, after: string): HTMLElement {
  const field = h("input", { value: secret, testid, class: "secret" });
  field.readOnly = true;
  field.addEventListener("focus", () => field.select());
  return h(
    "div",
    { class: "once-box" },
    h("strong", { text: label }),
    field,
    h("p", { class: "muted", text: `Shown this once: copy it now. ${after}` }),
  );
}

export function membersScreen(context: StudioContext): Screen {
  const membersPanel = h("section", { class: "panel", testid: "members" });
  const invitePanel = h("section", { class: "panel", testid: "invite" });
  const keysPanel = h("section", { class: "panel", testid: "api-keys" });
  const notice = h("p", { class: "muted", testid: "members-readonly" });
  const inviteEmail = h("input", { type: "email", placeholder: "name@example.com", testid: "invite-email" });
  const inviteRole = roleSelect("invite-role", "designer");
  const inviteSend = h("button", { class: "primary", text: "Invite", testid: "invite-send" });
  const inviteResult = h("div", { testid: "invite-result" });
  const keyName = h("input", { placeholder: "What the key is for", testid: "api-key-name" });
  const keyRole = roleSelect("api-key-role", "viewer");
  const keyCreate = h("button", { class: "primary", text: "Create key", testid: "api-key-create" });
  const keyResult = h("div", { testid: "api-key-result" });
  const keyList = h("div", {});
  let armed: string | null = null;

  const isOwner = (): boolean => context.session()?.account.role === "owner";
  const me = (): string | null => context.session()?.profile?.id ?? null;

  function memberRow(member: MemberView, owner: boolean): HTMLElement {
    const self = member.account_id === me();
    let roleCell: HTMLElement;
    if (owner && !self) {
      const select = roleSelect("member-role", member.role);
      select.addEventListener("change", () => {
        const role = select.value;
        if (!isRole(role)) return;
        account
          .changeRole(member.account_id, { role })
          .then(() => context.notify(`${member.email} is now a ${role}.`))
          .catch((error: unknown) => {
            context.notify(describeError(error), "error");
            select.value = member.role;
          });
      });
      roleCell = select;
    } else {
      roleCell = h("span", { text: self ? `${member.role} (you)` : member.role });
    }
    const actions: HTMLElement[] = [];
    if (owner && !self) {
      if (armed === member.account_id) {
        actions.push(
          h("button", { class: "danger", text: "Remove: loses access now", testid: "member-remove-confirm", on: { click: () => void remove(member) } }),
          h("button", { text: "Keep", on: { click: () => { armed = null; void load(); } } }),
        );
      } else {
        actions.push(h("button", { text: "Remove", testid: "member-remove", on: { click: () => { armed = member.account_id; void load(); } } }));
      }
    }
    const row = h(
      "tr",
      { testid: "member-row" },
      h("td", {}, h("strong", { text: member.display_name }), h("div", { class: "muted", text: member.email })),
      h("td", {}, roleCell),
      h("td", { class: "muted", text: new Date(member.joined_at).toLocaleDateString() }),
      h("td", {}, ...actions),
    );
    row.dataset["email"] = member.email;
    return row;
  }

  function renderMembers(list: MemberList, owner: boolean): void {
    replaceChildren(
      membersPanel,
      h("h3", { text: "Members" }),
      h(
        "table",
        { class: "grid" },
        h("thead", {}, h("tr", {}, h("th", { text: "Member" }), h("th", { text: "Role" }), h("th", { text: "Joined" }), h("th", {}))),
        h("tbody", {}, ...list.members.map((member) => memberRow(member, owner))),
      ),
      list.pending_invites.length === 0 ? null : h("h3", { text: "Invitations not accepted yet" }),
      ...list.pending_invites.map((pending) =>
        h("div", { class: "row", testid: "pending-invite" }, h("span", { text: pending.email }), h("span", { class: "muted", text: pending.role })),
      ),
    );
  }

  function keyRow(key: ApiKeyView): HTMLElement {
    const actions =
      armed === key.id
        ? [
            h("button", { class: "danger", text: "Revoke: it stops working", testid: "api-key-revoke-confirm", on: { click: () => void revoke(key) } }),
            h("button", { text: "Keep", on: { click: () => { armed = null; void load(); } } }),
          ]
        : [h("button", { text: "Revoke", testid: "api-key-revoke", on: { click: () => { armed = key.id; void load(); } } })];
    const row = h(
      "tr",
      { testid: "api-key-row" },
      h("td", {}, h("strong", { text: key.name === "" ? "(unnamed)" : key.name }), h("div", { class: "muted", text: `${key.prefix}…` })),
      h("td", { text: key.role }),
      h("td", { class: "muted", text: key.last_used_at === null ? "never used" : `used ${new Date(key.last_used_at).toLocaleString()}` }),
      h("td", {}, ...actions),
    );
    row.dataset["keyId"] = key.id;
    return row;
  }

  async function load(): Promise<void> {
    const owner = isOwner();
    const role = context.session()?.account.role ?? "viewer";
    notice.textContent = owner ? "" : `Only owners manage members and API keys; you are a ${role}.`;
    invitePanel.classList.toggle("hidden", !owner);
    keysPanel.classList.toggle("hidden", !owner);
    try {
      renderMembers(await account.members(), owner);
    } catch (error) {
      const refused = asStudioError(error)?.code === "forbidden";
      replaceChildren(
        membersPanel,
        h("h3", { text: "Members" }),
        h("p", { class: refused ? "muted" : "bad", text: refused ? "The server shows the member list to owners only." : describeError(error) }),
      );
    }
    if (!owner) return;
    try {
      const keys = (await account.apiKeys()).keys;
      replaceChildren(
        keyList,
        keys.length === 0
          ? h("p", { class: "muted", text: "No API keys yet." })
          : h(
              "table",
              { class: "grid" },
              h("thead", {}, h("tr", {}, h("th", { text: "Key" }), h("th", { text: "Role" }), h("th", { text: "Last used" }), h("th", {}))),
              h("tbody", {}, ...keys.map(keyRow)),
            ),
      );
    } catch (error) {
      replaceChildren(keyList, h("p", { class: "bad", text: describeError(error) }));
    }
  }

  async function remove(member: MemberView): Promise<void> {
    armed = null;
    try {
      await account.removeMember(member.account_id);
      context.notify(`${member.email} no longer has access.`);
    } catch (error) {
      context.notify(describeError(error), "error");
    }
    await load();
  }

  async function revoke(key: ApiKeyView): Promise<void> {
    armed = null;
    try {
      await account.revokeApiKey(key.id);
      context.notify(`The key ${key.name} is revoked.`);
    } catch (error) {
      context.notify(describeError(error), "error");
    }
    await load();
  }

  async function sendInvite(): Promise<void> {
    const email = inviteEmail.value.trim();
    const role = inviteRole.value;
    if (email === "" || !isRole(role)) {
      context.notify("Enter the e-mail address to invite.", "error");
      return;
    }
    inviteSend.disabled = true;
    try {
      const created = await account.invite({ email, role });
      inviteEmail.value = "";
      const server = context.session()?.server_url ?? "";
      replaceChildren(
        inviteResult,
        onceBox(
          "invite-token",
          `Invitation for ${created.email} (${created.role})`,
          created.token,
          `Send it to them: they accept it at ${server}/v1/invites/accept before ${new Date(created.expires_at).toLocaleString()}.`,
        ),
      );
    } catch (error) {
      context.notify(describeError(error), "error");
    } finally {
      inviteSend.disabled = false;
    }
    await load();
  }

  async function createKey(): Promise<void> {
    const name = keyName.value.trim();
    const role = keyRole.value;
    if (name.length > LIMITS.Label.max || !isRole(role)) {
      context.notify(`A key's name has at most ${LIMITS.Label.max} characters.`, "error");
      return;
    }
    keyCreate.disabled = true;
    try {
      const created = await account.createApiKey({ name, role });
      keyName.value = "";
      replaceChildren(
        keyResult,
        onceBox("api-key-secret", `Key ${created.key.name} (${created.key.role})`, created.secret, "Only its prefix is kept in the list."),
      );
    } catch (error) {
      context.notify(describeError(error), "error");
    } finally {
      keyCreate.disabled = false;
    }
    await load();
  }

  inviteSend.addEventListener("click", () => void sendInvite());
  keyCreate.addEventListener("click", () => void createKey());
  replaceChildren(
    invitePanel,
    h("h3", { text: "Invite someone" }),
    h("div", { class: "row wrap" }, inviteEmail, inviteRole, inviteSend),
    inviteResult,
  );
  replaceChildren(
    keysPanel,
    h("h3", { text: "API keys" }),
    h("p", { class: "muted", text: "For programs that call the server's API on the tenant's behalf." }),
    h("div", { class: "row wrap" }, keyName, keyRole, keyCreate),
    keyResult,
    keyList,
  );

  const element = h("div", { class: "screen", testid: "screen-members" }, h("h2", { text: "Members & API keys" }), notice, membersPanel, invitePanel, keysPanel);
  return {
    id: "members",
    title: "Members & API keys",
    needsBot: false,
    element,
    shown: async () => {
      armed = null;
      // Secrets shown once do not come back on the next visit.
      replaceChildren(inviteResult);
      replaceChildren(keyResult);
      await load();
    },
  };
}
