using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using SignalRelay.Server.Storage;

namespace SignalRelay.Server.Migrations;

/// <summary>
/// An index of directs by sender, so a history query finds the directs its viewer sent without scanning the
/// table. Partial: broadcasts, most of the traffic, do not pay for it.
/// </summary>
[DbContext(typeof(RelayDbContext))]
[Migration("20261122140000_DirectsBySender")]
public sealed class DirectsBySender : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) =>
        migrationBuilder.CreateIndex(name: "ix_messages_directs_from_seq", table: "messages", columns: ["from_agent", "seq"],
            filter: "to_agent IS NOT NULL");

    protected override void Down(MigrationBuilder migrationBuilder) =>
        migrationBuilder.DropIndex(name: "ix_messages_directs_from_seq", table: "messages");
}
