// swift-tools-version:6.0
// An app that uses namegen as a library: `make example` builds and runs it from the repository
// root. It depends on the repository by path, named so that the product resolves whatever the
// clone's directory is called; an app elsewhere depends on it by version (docs/SWIFT-API.md).
import PackageDescription

let package = Package(
    name: "NameGenExample",
    dependencies: [.package(name: "namegen", path: "../..")],
    targets: [
        .executableTarget(name: "NameGenExample", dependencies: [.product(name: "NameGen", package: "namegen")]),
    ],
    swiftLanguageModes: [.v6]
)
