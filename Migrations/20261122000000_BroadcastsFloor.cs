using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using SignalRelay.Server.Storage;

namespace SignalRelay.Server.Migrations;

/// <summary>Each agent's broadcasts floor; 0 for the agents already stored, whose cursor alone says where they are.</summary>
[DbContext(typeof(RelayDbContext))]
[Migration("20261122000000_BroadcastsFloor")]
public sealed class BroadcastsFloor : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) =>
        migrationBuilder.AddColumn<long>(name: "broadcasts_floor", table: "presence", type: "INTEGER", nullable: false, defaultValue: 0L);

    protected override void Down(MigrationBuilder migrationBuilder) =>
        migrationBuilder.DropColumn(name: "broadcasts_floor", table: "presence");
}
