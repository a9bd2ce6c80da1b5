import type { LazyPrisma } from './prisma-client.js';
import { toBigInt, toNullableNumber, toNumber } from './record.mapper.js';
import type { QuotaUsage, UserRepository } from './repositories.js';

export class PrismaUserRepository implements UserRepository {
  constructor(private readonly prisma: LazyPrisma) {}

  async usage(userId: string): Promise<QuotaUsage> {
    const prisma = await this.prisma();
    const user = await prisma.user.findUnique({ where: { id: userId } });
    if (!user) return { quotaBytes: null, usedBytes: 0, reservedBytes: 0 };
    return { quotaBytes: toNullableNumber(user.quotaBytes), usedBytes: toNumber(user.usedBytes), reservedBytes: toNumber(user.reservedBytes) };
  }

  async setQuota(userId: string, quotaBytes: number | null, at: Date): Promise<void> {
    const prisma = await this.prisma();
    const value = quotaBytes === null ? null : toBigInt(quotaBytes);
    await prisma.user.upsert({
      where: { id: userId },
      create: { id: userId, quotaBytes: value, createdAt: at, updatedAt: at },
      update: { quotaBytes: value, updatedAt: at },
    });
  }
}
