import Foundation
import Vapor
import ZhibenApp
#if canImport(Glibc)
import Glibc

// glibc gives each thread that allocates its own heap arena (up to eight per core); the server's many
// short tasks hop between threads, and the arenas' free space then adds up in the resident memory.
// Two arenas hold it to what is in use (measured: 287 → 233 MiB after start on a city of 20,000).
// `mallopt` is not in the Glibc module: it is looked up (M_ARENA_MAX is -8 in <malloc.h>).
if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") {
    _ = unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32) -> Int32).self)(-8, 2)
}
#endif

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
