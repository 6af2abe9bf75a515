import Foundation
import Vapor
import ZhibenDomain

struct UserDTO: Content {
    var id: UUID
    var username: String
    var displayName: String
    var role: String
    var permissions: [String]
    var countyCode: String?
    var enterpriseId: UUID?
    var locale: String
    var active: Bool
    var lockedUntil: String?
    var lastLoginAt: String?

    init(_ u: User) {
        id = u.id
        username = u.username
        displayName = u.displayName
        role = u.role.rawValue
        permissions = u.role.permissions.map(\.rawValue).sorted()
        countyCode = u.countyCode
        enterpriseId = u.enterpriseID
        locale = u.locale.rawValue
        active = u.active
        lockedUntil = u.lockedUntil.map(ISOTime.string)
        lastLoginAt = u.lastLoginAt.map(ISOTime.string)
    }
}
