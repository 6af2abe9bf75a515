import Foundation
import Vapor
import ZhibenApp

var env = try Environment.detect()
try LoggingSystem.bootstrap(from: &env)
let app = try await Application.make(env)
var failed = false
do {
    try await configure(app, config: AppConfig.fromEnvironment())
    try await app.execute()
} catch {
    app.logger.error("\(String(describing: error))")
    failed = true
}
try await app.asyncShutdown()
if failed { exit(1) }
