import FluentPostgresDriver
import Foundation
import NIOSSL

/// `sslmode` of a PostgreSQL URL, with libpq's meanings.
enum PostgresSSLMode: String, CaseIterable, Sendable {
    /// Plain connection.
    case disable
    /// TLS when the server offers it, without checking its certificate (libpq's default).
    case prefer
    /// TLS or no connection, without checking the certificate.
    case require
    /// TLS with a certificate chain the system trusts, for any host name.
    case verifyCA = "verify-ca"
    /// TLS with a trusted certificate for this host name.
    case verifyFull = "verify-full"

    /// The URL's `sslmode` (`prefer` when absent); an unknown value is a configuration error.
    static func of(url: String) throws -> PostgresSSLMode {
        let items = URLComponents(string: url)?.queryItems ?? []
        guard let value = items.last(where: { $0.name.lowercased() == "sslmode" })?.value else { return .prefer }
        if value == "allow" { return .prefer }
        guard let mode = PostgresSSLMode(rawValue: value) else {
            throw AppConfig.ConfigError.invalid("DATABASE_URL", "sslmode must be one of \(allCases.map(\.rawValue).joined(separator: ", ")), not \(value)")
        }
        return mode
    }

    var tls: PostgresConnection.Configuration.TLS {
        get throws {
            var config = TLSConfiguration.makeClientConfiguration()
            switch self {
            case .disable: return .disable
            case .prefer, .require: config.certificateVerification = .none
            case .verifyCA: config.certificateVerification = .noHostnameVerification
            case .verifyFull: config.certificateVerification = .fullVerification
            }
            let context = try NIOSSLContext(configuration: config)
            return self == .prefer ? .prefer(context) : .require(context)
        }
    }

    /// The driver's configuration for a `postgres://` URL, TLS as its `sslmode` says.
    static func configuration(url: String) throws -> SQLPostgresConfiguration {
        let mode = try of(url: url)
        var pg = try SQLPostgresConfiguration(url: url)
        pg.coreConfiguration.tls = try mode.tls
        return pg
    }
}
