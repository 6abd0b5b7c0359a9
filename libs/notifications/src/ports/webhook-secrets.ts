/** New webhook ids and signing secrets (the controller makes them, so it can tell a fresh creation from a replayed one). */
export abstract class WebhookSecrets {
  abstract newId(): string;
  abstract newSecret(): string;
}
