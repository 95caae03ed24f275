import { Injectable } from '@nestjs/common';
import { Cat } from './interfaces/cat.interface';
import { CreateCatDto } from './dto/create-cat.dto';

@Injectable()
export class CatsService {
  private readonly cats: Cat[] = [
    { id: 1, name: 'Tom', age: 3, breed: 'Domestic Shorthair' },
    { id: 2, name: 'Luna', age: 5, breed: 'Siamese' },
  ];
  private nextId = 3;

  create(createCatDto: CreateCatDto): Cat {
    const cat: Cat = { id: this.nextId++, ...createCatDto };
    this.cats.push(cat);
    return cat;
  }

  findAll(): Cat[] {
    return this.cats;
  }

  findOne(id: number): Cat | undefined {
    return this.cats.find((cat) => cat.id === id);
  }
}
