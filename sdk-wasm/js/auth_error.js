// Every rejection of the SDK is an AuthError: a real Error with a stable `type` (SPEC §1).
export class AuthError extends Error {
  constructor(type, message) {
    super(message);
    this.name = "AuthError";
    this.type = type;
  }
}
