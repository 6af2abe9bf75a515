import FluentKit
import FluentSQL
import Foundation
import SQLKit
import ZhibenDomain

/// Uploaded files' bytes when they live in the database (PostgreSQL).
final class StoredFileModel: Model, @unchecked Sendable {
    static let schema = "stored_files"

    @ID(custom: "key", generatedBy: .user) var id: String?
    @Field(key: "data") var data: Data
    @Field(key: "created_at") var createdAt: Date

    init() {}
}

/// File bytes in a folder (next to the SQLite file), written to a temporary name, flushed and renamed
/// so that a crash leaves either the whole file or none.
public struct FolderFileStore: FileStore {
    public let root: URL

    public init(root: URL) { self.root = root }

    func url(_ key: String) -> URL { root.appendingPathComponent(key) }

    public func put(_ data: Data, key: String) async throws {
        let target = url(key)
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        let temp = target.deletingLastPathComponent().appendingPathComponent(".\(UUID().uuidString).tmp")
        guard FileManager.default.createFile(atPath: temp.path, contents: nil) else { throw CocoaError(.fileWriteUnknown) }
        let handle = try FileHandle(forWritingTo: temp)
        try handle.write(contentsOf: data)
        try handle.synchronize()
        try handle.close()
        if FileManager.default.fileExists(atPath: target.path) { try FileManager.default.removeItem(at: target) }
        try FileManager.default.moveItem(at: temp, to: target)
    }

    public func get(key: String) async throws -> Data? {
        FileManager.default.fileExists(atPath: url(key).path) ? try Data(contentsOf: url(key)) : nil
    }
}

/// File bytes in the database, so that every app instance behind a proxy sees them (PostgreSQL).
public struct DatabaseFileStore: FileStore {
    let store: Store

    public init(store: Store) { self.store = store }

    public func put(_ data: Data, key: String) async throws {
        try await store.write { db in
            let m = StoredFileModel()
            m.id = key
            m.data = data
            m.createdAt = Date()
            try await m.create(on: db)
        }
    }

    public func get(key: String) async throws -> Data? {
        try await StoredFileModel.find(key, on: store.database)?.data
    }
}
