using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using SignalRelay.Server.Storage;

namespace SignalRelay.Server.Migrations;

[DbContext(typeof(RelayDbContext))]
[Migration("20261121000000_Initial")]
public sealed class Initial : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "messages",
            columns: table => new
            {
                seq = table.Column<long>(type: "INTEGER", nullable: false).Annotation("Sqlite:Autoincrement", true),
                message_id = table.Column<string>(type: "TEXT", nullable: false),
                kind = table.Column<string>(type: "TEXT", nullable: false),
                from_agent = table.Column<string>(type: "TEXT", nullable: false),
                to_agent = table.Column<string>(type: "TEXT", nullable: true),
                content = table.Column<string>(type: "TEXT", nullable: false),
                sent_at = table.Column<string>(type: "TEXT", nullable: true),
                received_at_ms = table.Column<long>(type: "INTEGER", nullable: false),
            },
            constraints: table => table.PrimaryKey("PK_messages", x => x.seq));

        migrationBuilder.CreateTable(
            name: "presence",
            columns: table => new
            {
                agent_id = table.Column<string>(type: "TEXT", nullable: false),
                status = table.Column<string>(type: "TEXT", nullable: false),
                last_seen_ms = table.Column<long>(type: "INTEGER", nullable: false),
                cursor = table.Column<long>(type: "INTEGER", nullable: false),
                metadata = table.Column<string>(type: "TEXT", nullable: true),
                protocol = table.Column<string>(type: "TEXT", nullable: true),
            },
            constraints: table => table.PrimaryKey("PK_presence", x => x.agent_id));

        migrationBuilder.CreateIndex(name: "ix_messages_from_id", table: "messages", columns: ["from_agent", "message_id"], unique: true);
        migrationBuilder.CreateIndex(name: "ix_messages_received_at", table: "messages", column: "received_at_ms");
        migrationBuilder.CreateIndex(name: "ix_messages_to_seq", table: "messages", columns: ["to_agent", "seq"]);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable(name: "messages");
        migrationBuilder.DropTable(name: "presence");
    }
}
