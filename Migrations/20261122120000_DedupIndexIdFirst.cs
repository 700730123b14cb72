using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using SignalRelay.Server.Storage;

namespace SignalRelay.Server.Migrations;

/// <summary>
/// The resend guard's unique index keyed (message_id, from_agent) instead of (from_agent, message_id): with
/// time-ordered or counter ids a commit then touches one or two of its leaf pages instead of one per sender.
/// </summary>
[DbContext(typeof(RelayDbContext))]
[Migration("20261122120000_DedupIndexIdFirst")]
public sealed class DedupIndexIdFirst : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropIndex(name: "ix_messages_from_id", table: "messages");
        migrationBuilder.CreateIndex(name: "ix_messages_id_from", table: "messages", columns: ["message_id", "from_agent"], unique: true);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropIndex(name: "ix_messages_id_from", table: "messages");
        migrationBuilder.CreateIndex(name: "ix_messages_from_id", table: "messages", columns: ["from_agent", "message_id"], unique: true);
    }
}
