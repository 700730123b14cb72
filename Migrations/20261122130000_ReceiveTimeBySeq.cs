using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using SignalRelay.Server.Storage;

namespace SignalRelay.Server.Migrations;

/// <summary>
/// No index on received_at_ms: receive times no longer decrease along seq, so history and retention by time find
/// their seq by bisecting the table itself (<see cref="SeqByReceiveTime"/>), and every insert has one index less.
/// </summary>
[DbContext(typeof(RelayDbContext))]
[Migration("20261122130000_ReceiveTimeBySeq")]
public sealed class ReceiveTimeBySeq : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) =>
        migrationBuilder.DropIndex(name: "ix_messages_received_at", table: "messages");

    protected override void Down(MigrationBuilder migrationBuilder) =>
        migrationBuilder.CreateIndex(name: "ix_messages_received_at", table: "messages", column: "received_at_ms");
}
