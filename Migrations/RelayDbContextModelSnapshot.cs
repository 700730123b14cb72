using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using SignalRelay.Server.Storage;

namespace SignalRelay.Server.Migrations;

/// <summary>The model as the migrations leave it; kept by hand because EF's design-time tools do not restore here.</summary>
[DbContext(typeof(RelayDbContext))]
public sealed class RelayDbContextModelSnapshot : ModelSnapshot
{
    protected override void BuildModel(ModelBuilder modelBuilder)
    {
        modelBuilder.HasAnnotation("ProductVersion", "10.0.14");

        modelBuilder.Entity("SignalRelay.Server.Storage.MessageRow", b =>
        {
            b.Property<long>("Seq").ValueGeneratedOnAdd().HasColumnType("INTEGER").HasColumnName("seq")
                .HasAnnotation("Sqlite:Autoincrement", true);
            b.Property<string>("Content").IsRequired().HasColumnType("TEXT").HasColumnName("content");
            b.Property<string>("FromAgent").IsRequired().HasColumnType("TEXT").HasColumnName("from_agent");
            b.Property<string>("Kind").IsRequired().HasColumnType("TEXT").HasColumnName("kind");
            b.Property<string>("MessageId").IsRequired().HasColumnType("TEXT").HasColumnName("message_id");
            b.Property<long>("ReceivedAtMs").HasColumnType("INTEGER").HasColumnName("received_at_ms");
            b.Property<string>("SentAt").HasColumnType("TEXT").HasColumnName("sent_at");
            b.Property<string>("ToAgent").HasColumnType("TEXT").HasColumnName("to_agent");
            b.HasKey("Seq");
            b.HasIndex("MessageId", "FromAgent").IsUnique().HasDatabaseName("ix_messages_id_from");
            b.HasIndex("ToAgent", "Seq").HasDatabaseName("ix_messages_to_seq");
            b.HasIndex("FromAgent", "Seq").HasDatabaseName("ix_messages_directs_from_seq").HasFilter("to_agent IS NOT NULL");
            b.ToTable("messages");
        });

        modelBuilder.Entity("SignalRelay.Server.Storage.PresenceRow", b =>
        {
            b.Property<string>("AgentId").HasColumnType("TEXT").HasColumnName("agent_id");
            b.Property<long>("BroadcastsFloor").HasColumnType("INTEGER").HasColumnName("broadcasts_floor");
            b.Property<long>("Cursor").HasColumnType("INTEGER").HasColumnName("cursor");
            b.Property<long>("LastSeenMs").HasColumnType("INTEGER").HasColumnName("last_seen_ms");
            b.Property<string>("Metadata").HasColumnType("TEXT").HasColumnName("metadata");
            b.Property<string>("Protocol").HasColumnType("TEXT").HasColumnName("protocol");
            b.Property<string>("Status").IsRequired().HasColumnType("TEXT").HasColumnName("status");
            b.HasKey("AgentId");
            b.ToTable("presence");
        });
    }
}
