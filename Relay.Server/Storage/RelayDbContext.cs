using Microsoft.EntityFrameworkCore;

namespace SignalRelay.Server.Storage;

public sealed class RelayDbContext(DbContextOptions<RelayDbContext> options) : DbContext(options)
{
    public DbSet<MessageRow> Messages => Set<MessageRow>();
    public DbSet<PresenceRow> Presence => Set<PresenceRow>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<MessageRow>(m =>
        {
            m.ToTable("messages");
            m.HasKey(x => x.Seq);
            // AUTOINCREMENT: a seq is never reused, even after retention deleted the newest rows.
            m.Property(x => x.Seq).HasColumnName("seq").ValueGeneratedOnAdd().HasAnnotation("Sqlite:Autoincrement", true);
            m.Property(x => x.MessageId).HasColumnName("message_id").IsRequired();
            m.Property(x => x.Kind).HasColumnName("kind").IsRequired();
            m.Property(x => x.FromAgent).HasColumnName("from_agent").IsRequired();
            m.Property(x => x.ToAgent).HasColumnName("to_agent");
            m.Property(x => x.Content).HasColumnName("content").IsRequired();
            m.Property(x => x.SentAt).HasColumnName("sent_at");
            m.Property(x => x.ReceivedAtMs).HasColumnName("received_at_ms");
            // Id first: time-ordered and counter ids from every sender land on the same few leaf pages per commit.
            m.HasIndex(x => new { x.MessageId, x.FromAgent }).IsUnique().HasDatabaseName("ix_messages_id_from");
            m.HasIndex(x => new { x.ToAgent, x.Seq }).HasDatabaseName("ix_messages_to_seq");
            // Directs only, so a broadcast's insert does not touch it: history finds the directs a viewer sent.
            m.HasIndex(x => new { x.FromAgent, x.Seq }).HasFilter("to_agent IS NOT NULL").HasDatabaseName("ix_messages_directs_from_seq");
        });

        modelBuilder.Entity<PresenceRow>(p =>
        {
            p.ToTable("presence");
            p.HasKey(x => x.AgentId);
            p.Property(x => x.AgentId).HasColumnName("agent_id");
            p.Property(x => x.Status).HasColumnName("status").IsRequired();
            p.Property(x => x.LastSeenMs).HasColumnName("last_seen_ms");
            p.Property(x => x.Cursor).HasColumnName("cursor");
            p.Property(x => x.BroadcastsFloor).HasColumnName("broadcasts_floor");
            p.Property(x => x.Metadata).HasColumnName("metadata");
            p.Property(x => x.Protocol).HasColumnName("protocol");
        });
    }
}
