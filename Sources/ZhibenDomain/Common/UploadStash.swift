import Foundation

/// Files a user uploaded for a two-step action (preview, then confirm), kept server-side between the
/// steps so the confirmation does not send the file again. Bound to the uploader; short-lived.
public protocol UploadStash: Sendable {
    /// Keeps `data` for `owner` and returns its id; forgets uploads older than `UploadPolicy.lifetime`.
    func put(_ data: Data, owner: String, at: Date) async throws -> UUID
    /// The upload, if it exists, belongs to `owner` and is younger than the lifetime.
    func get(_ id: UUID, owner: String, now: Date) async throws -> Data?
    func delete(_ id: UUID) async throws
}

public enum UploadPolicy {
    /// How long a previewed file waits for its confirmation.
    public static let lifetime: TimeInterval = 3600
}
