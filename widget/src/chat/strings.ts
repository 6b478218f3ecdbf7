/**
 * The chat's own words, by language, with English as the fallback for any
 * language or key a table lacks. The bot's language (from the config) picks
 * the table, so the interface speaks the language the bot answers in.
 */

const EN = {
  dialogLabel: "Chat with {name}",
  close: "Close chat",
  inputLabel: "Your message",
  placeholder: "Type a message…",
  send: "Send",
  typing: "{name} is typing…",
  sources: "Sources",
  helpful: "Helpful",
  notHelpful: "Not helpful",
  thanks: "Thanks for your feedback.",
  retry: "Try again",
  notSent: "Not sent.",
  interrupted: "The answer was cut off.",
  you: "You",
  connecting: "Connecting…",
  online: "Online",
  reconnecting: "Reconnecting…",
  offline: "Offline",
  avatarLabel: "{name}, animated assistant",
  posterLabel: "{name}",
  // Coded errors, in plain words.
  err_rate_limited: "You're sending messages quickly. Please wait a moment and try again.",
  err_budget_exhausted: "The assistant is resting for now. Please try again later.",
  err_offline: "You're offline. Your message will be sent when you're back online.",
  err_origin_not_allowed: "This chat isn't available on this website.",
  err_visitor_token_expired: "Your chat session expired. Reconnecting…",
  err_visitor_token_invalid: "Your chat session expired. Reconnecting…",
  err_provider_failed: "The assistant couldn't answer just now. Please try again.",
  err_unavailable: "The chat is temporarily unavailable. Please try again shortly.",
  err_invalid_request: "That message couldn't be sent. Please shorten or rephrase it.",
  err_payload_too_large: "That message is too long. Please shorten it.",
  err_not_published: "This assistant isn't available yet.",
  err_not_found: "This conversation is no longer available.",
  err_tenant_suspended: "This assistant isn't available at the moment.",
  err_quota_exceeded: "The assistant can't take more messages right now. Please try again later.",
  err_identity_invalid: "We couldn't confirm who you are; you're chatting as a guest.",
  err_generic: "Something went wrong. Please try again.",
};

/** The keys every table may translate. */
export type StringKey = keyof typeof EN;

const TABLES: Record<string, Partial<Record<StringKey, string>>> = {
  en: EN,
  de: {
    dialogLabel: "Chat mit {name}",
    close: "Chat schließen",
    inputLabel: "Ihre Nachricht",
    placeholder: "Nachricht schreiben…",
    send: "Senden",
    typing: "{name} schreibt…",
    sources: "Quellen",
    helpful: "Hilfreich",
    notHelpful: "Nicht hilfreich",
    thanks: "Danke für Ihr Feedback.",
    retry: "Erneut versuchen",
    notSent: "Nicht gesendet.",
    interrupted: "Die Antwort wurde unterbrochen.",
    you: "Sie",
    connecting: "Verbinde…",
    online: "Online",
    reconnecting: "Verbinde erneut…",
    offline: "Offline",
    err_rate_limited: "Sie senden sehr schnell. Bitte warten Sie einen Moment.",
    err_budget_exhausted: "Der Assistent macht gerade Pause. Bitte versuchen Sie es später erneut.",
    err_offline: "Sie sind offline. Die Nachricht wird gesendet, sobald Sie wieder online sind.",
    err_origin_not_allowed: "Dieser Chat ist auf dieser Website nicht verfügbar.",
    err_unavailable: "Der Chat ist vorübergehend nicht verfügbar.",
    err_generic: "Etwas ist schiefgelaufen. Bitte versuchen Sie es erneut.",
  },
  fr: {
    dialogLabel: "Discuter avec {name}",
    close: "Fermer le chat",
    inputLabel: "Votre message",
    placeholder: "Écrivez un message…",
    send: "Envoyer",
    typing: "{name} écrit…",
    sources: "Sources",
    helpful: "Utile",
    notHelpful: "Pas utile",
    thanks: "Merci pour votre avis.",
    retry: "Réessayer",
    notSent: "Non envoyé.",
    you: "Vous",
    connecting: "Connexion…",
    online: "En ligne",
    reconnecting: "Reconnexion…",
    offline: "Hors ligne",
    err_rate_limited: "Vous envoyez des messages très vite. Patientez un instant.",
    err_budget_exhausted: "L'assistant se repose pour le moment. Réessayez plus tard.",
    err_offline: "Vous êtes hors ligne. Le message partira dès votre retour en ligne.",
    err_origin_not_allowed: "Ce chat n'est pas disponible sur ce site.",
    err_generic: "Une erreur s'est produite. Veuillez réessayer.",
  },
  es: {
    dialogLabel: "Chatear con {name}",
    close: "Cerrar el chat",
    inputLabel: "Tu mensaje",
    placeholder: "Escribe un mensaje…",
    send: "Enviar",
    typing: "{name} está escribiendo…",
    sources: "Fuentes",
    helpful: "Útil",
    notHelpful: "No es útil",
    thanks: "Gracias por tu opinión.",
    retry: "Reintentar",
    notSent: "No enviado.",
    you: "Tú",
    connecting: "Conectando…",
    online: "En línea",
    reconnecting: "Reconectando…",
    offline: "Sin conexión",
    err_rate_limited: "Estás enviando mensajes muy rápido. Espera un momento.",
    err_budget_exhausted: "El asistente está descansando. Inténtalo más tarde.",
    err_offline: "Estás sin conexión. El mensaje se enviará al volver.",
    err_origin_not_allowed: "Este chat no está disponible en este sitio web.",
    err_generic: "Algo salió mal. Inténtalo de nuevo.",
  },
};

/** A translator for the bot's language (a BCP 47 tag): `t(key, {name})`. */
export type Translate = (key: StringKey, values?: Record<string, string>) => string;

export function translator(language: string): Translate {
  const tag = language.toLowerCase();
  // Own keys only: a language tag such as "constructor" must not reach Object's prototype.
  const own = (key: string) => (Object.prototype.hasOwnProperty.call(TABLES, key) ? TABLES[key] : undefined);
  const table = own(tag) ?? own(tag.split("-")[0] ?? "") ?? EN;
  return (key, values = {}) =>
    (table[key] ?? EN[key]).replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);
}

/** The plain-words sentence for a server error code. */
export function errorText(t: Translate, code: string): string {
  const key = `err_${code}`;
  return key in EN ? t(key as StringKey) : t("err_generic");
}
