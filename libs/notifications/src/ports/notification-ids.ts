/** Ids the slice derives, so that a redelivered event or a repeated command finds what it made. */
export abstract class NotificationIds {
  /** The aggregate id of a user's settings (not the user's id: the user aggregate has its own versions). */
  abstract settingsOf(userId: string): string;
}
